"""`shailoo results ...`: seat allocation, protocol import and exports."""

from __future__ import annotations

import typer

app = typer.Typer(help="Results: seats, protocols, exports.", no_args_is_help=True)
