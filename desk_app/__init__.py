"""The organisation's desks in the browser (Flet, web mode): thin screens over `sync.desk.service`.

`desk_app.coordinator` is the coordinator's case desk (`waypoint desk serve`); `desk_app.shell` and
`desk_app.components` are the frame and the pieces both desks share. The desks reuse the field app's
fonts, theme, translator and tagged controls (`app.theme`, `app.i18n`, `app.components`), never its
vault, screens or controllers (import contract `desk-app-beside-app` in pyproject.toml).
"""
