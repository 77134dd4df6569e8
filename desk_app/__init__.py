"""The organisation's desks in the browser (Flet, web mode): thin screens over `sync.desk.service`."""
