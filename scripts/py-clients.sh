#!/usr/bin/env bash
# The Python Postgres clients the server's tests use (asyncpg, psycopg 3, psycopg2,
# SQLAlchemy, pandas), in a venv of Debian's python3 at .cache/py-clients, pinned by
# test/clients/requirements.txt. Re-run when that file changes; .ci/run runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/py-clients
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv"
fi
# A machine whose pip reads a local mirror: use it as the index (no slow retries of an
# unreachable default index).
if [ -d /opt/pypi/simple ] && [ -z "${PIP_INDEX_URL:-}" ]; then
  export PIP_INDEX_URL=file:///opt/pypi/simple
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r test/clients/requirements.txt
"$venv/bin/python" -c 'import asyncpg, psycopg, psycopg2, sqlalchemy, pandas'
echo "py-clients: $("$venv/bin/python" --version) with asyncpg, psycopg 3, psycopg2, SQLAlchemy, pandas in $venv" >&2
