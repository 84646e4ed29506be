"""The witness's HTTP API (C2SP tlog-witness's POST /add-checkpoint), served by `carnet witness serve`."""

from __future__ import annotations

import asyncio

from litestar import Litestar, Response, get, post

from .witness import MAX_BODY, SIZE_TYPE, Witness


def create_witness_app(witness: Witness) -> Litestar:
    @post("/add-checkpoint")
    async def add_checkpoint(body: bytes) -> Response:
        # In a thread: the state is written and flushed to disk before the answer (witness.State.save).
        answer = await asyncio.to_thread(witness.add_checkpoint, body)
        # The 409's type is exactly the spec's: Litestar would append "; charset=utf-8" to a text/ media type.
        exact = {"content-type": SIZE_TYPE} if answer.media_type == SIZE_TYPE else None
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=exact)

    @get("/checkpoint")
    async def latest(origine: str) -> Response:
        """Not in tlog-witness: the last checkpoint cosigned for a log (?origine=<origin>), for its auditors."""
        answer = witness.latest(origine)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    @get("/")
    async def about() -> Response:
        heads = witness.state.heads
        lines = [f"Témoin {witness.state.signer.name}", f"Clé de vérification : {witness.state.signer.verifier.key}",
                 "Journaux suivis :"]
        lines += [f"  {key.key} : dernier point de contrôle cosigné de taille "
                  f"{heads[origin].size if origin in heads else 0}" for origin, key in sorted(witness.logs.items())]
        return Response("\n".join(lines) + "\n", media_type="text/plain")

    return Litestar([add_checkpoint, latest, about], request_max_body_size=MAX_BODY)
