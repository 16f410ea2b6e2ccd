"""The composition root, on top of every other room: the app factory (app), uvicorn and its connection limits (run),
the server inside the workbench or a test (embedded), and the ASGI guard on bodies and answer headers (guard)."""
