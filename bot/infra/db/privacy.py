"""Forgetting a person: every row about them, in every table, in one transaction."""

from __future__ import annotations

from bot.infra.db.base import Database


class PrivacyRepo:
    """Deletes a person's data wherever a table has a `user_id` column."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def forget_user(self, user_id: str) -> int:
        """Delete every row about this person, in every table; return how many were deleted."""
        with self.db.tx() as tx:
            # Found by column, so tables added by later migrations are covered automatically.
            tables = self.db.tables_with_column(tx, "user_id")
            # Foreign keys are checked at COMMIT (or cascade), so the deletion order does not
            # matter; rows are counted first because cascaded deletes are not in `rowcount`.
            self.db.defer_constraints(tx)
            total = 0
            for name in tables:
                (count,) = tx.execute(
                    f'SELECT COUNT(*) FROM "{name}" WHERE user_id = ?', (user_id,)
                ).fetchone()
                total += int(count)
            for name in reversed(tables):
                tx.execute(f'DELETE FROM "{name}" WHERE user_id = ?', (user_id,))
        return total
