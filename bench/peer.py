"""The peer floor: a bare FastAPI + SQLModel app that inserts one row per POST (no auth, no rules, no events).
``python -m bench.peer DATABASE_URL`` serves it on a free port and prints ``http://127.0.0.1:PORT``."""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI
from sqlmodel import Field, Session, SQLModel, create_engine


class Item(SQLModel, table=True):
    __tablename__ = "peer_items"
    id: int | None = Field(default=None, primary_key=True)
    title: str
    created_at: datetime


class ItemIn(SQLModel):
    title: str


def make_app(url: str) -> FastAPI:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    kwargs = {"connect_args": {"check_same_thread": False}} if url.startswith("sqlite") else {}
    engine = create_engine(url, pool_size=10, max_overflow=20, **kwargs)
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    SQLModel.metadata.create_all(engine)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/items", status_code=201)
    def create(body: ItemIn) -> Item:
        with Session(engine) as session:
            item = Item(title=body.title, created_at=datetime.now(UTC))
            session.add(item)
            session.commit()
            session.refresh(item)
            return item

    return app


def main() -> None:
    app = make_app(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"peer serving on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


if __name__ == "__main__":
    main()
