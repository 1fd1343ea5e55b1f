"""Acting as someone with direct database access: lift the append-only guard first."""

from __future__ import annotations

from sqlalchemy import Connection


def lift_append_only_guard(connection: Connection) -> None:
    """Drop the triggers that make audit records append-only (what a tamperer would do)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_records_append_only "
                                   "ON audit_records")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_records_no_truncate "
                                   "ON audit_records")
    else:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_records_no_update")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_records_no_delete")
