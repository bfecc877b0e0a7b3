"""`python manage.py ensure_database`: create the database of DATABASE_URL if it is missing."""

from typing import Any

import psycopg
from django.core.management.base import BaseCommand
from django.db import connections
from psycopg import sql


class Command(BaseCommand):
    help = "Create the database named in DATABASE_URL if it does not exist (connects to 'postgres')."

    def handle(self, *args: Any, **options: Any) -> None:
        params = connections["default"].get_connection_params()
        name = params.pop("dbname")
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                self.stdout.write(f"database {name} exists")
                return
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            self.stdout.write(self.style.SUCCESS(f"created database {name}"))
