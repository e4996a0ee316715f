"""`python -m capacity`: the same CLI as the `capacity` command."""

from capacity.cli import app

app(prog_name="capacity")
