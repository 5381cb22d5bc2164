"""``crystal-palace demo generate``: synthetic seizures, profiles, tablets, sites and actors, with ground truth.

Writes to a store (``--db``, default: the user's DuckDB file) or, with ``--out``, one CSV per table into a
folder. The same ``--seed`` gives the same records and ids, so generating twice adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crystal_palace.interfaces.cli.commands.db import DbOption

demo_app = typer.Typer(name="demo", no_args_is_help=True,
                       help="Demonstration data: realistic synthetic seizures and everything around them.")


@demo_app.command()
def generate(
    seizures: Annotated[int, typer.Option("--seizures", "-n", min=1, help="Number of seizures.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data and ids).")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", file_okay=False, show_default=False,
                                             help="Write CSV files into this folder instead of a store.")] = None,
    db: DbOption = None,
) -> None:
    """Generate demo data with batches, presses, production sites, cross-border actors and a ground truth."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        if out is not None and db is not None:
            raise fail("give either --db or --out, not both")
        from crystal_palace import generate_demo

        result = generate_demo(seizures, seed=seed, db=db, out=out)
        where = result.get("out") or result.get("db")
        typer.echo(f"generated {result['records']:,} records ({seizures:,} seizures) in "
                   f"{result['generate_seconds']:.1f} s -> {where} ({result['seconds']:.1f} s in all)")
        for name, count in result["counts"].items():
            typer.echo(f"  {name:<20} {count:>12,}")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the ``crystal-palace`` command."""
    app.add_typer(demo_app)
