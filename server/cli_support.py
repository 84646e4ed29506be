"""What every `carnet` command needs: the settings, and a migrated database session."""

from __future__ import annotations

import click

from .config import SettingsError, load_settings


def settings():
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


async def with_db(settings, work):
    """`work(session)` on the configured database, brought to the latest schema first."""
    from .db import make_engine, make_sessionmaker
    from .migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()
