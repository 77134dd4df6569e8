"""The session's controllers, composed by `app.session.Session` over one `app.runtime.SessionRuntime`.

prompts    the respondent's audio prompts
interview  plan, consent, questions, stop and finish
private    hand-over, answers by touch, hand-back
lock       unlock, lock, pause, quick exit, idle lock, the wait after wrong secrets
home       home lists, the sender's status, "Send now"
setup      set-up, joining and the duress secret (through `sync.provisioning`)
"""
