"""The baseline of bench/http.py: a bare FastAPI app served by the same kind of uvicorn
process — the most a Python endpoint can do on this machine, with no ledger behind it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()
PAGE = "<!doctype html><html lang=vi><title>bare</title><p>" + "x" * 30_000 + "</p></html>"


@app.get("/bare")
def bare() -> dict[str, bool]:
    return {"ok": True}


@app.get("/bare.html", response_class=HTMLResponse)
def bare_html() -> str:
    """A static page of about the unit page's size (30 kB)."""
    return PAGE


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
