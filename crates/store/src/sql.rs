//! Raw statements: the SQL the query builder does not say (upserts with `RETURNING`,
//! set-based updates, locks), written once with PostgreSQL's numbered parameters and run
//! on either database.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// `sql` with `values` bound, in the dialect of the database `db` talks to. Parameters
/// are written `$1`, `$2`… as PostgreSQL takes them; SQLite gets `?1`, `?2`…
pub(crate) fn statement(
    db: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Statement {
    let backend = db.get_database_backend();
    Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
}

/// SQLite takes `?NNN` for numbered parameters, PostgreSQL `$NNN`. No statement of the
/// store holds a `$` of its own (no dollar-quoted string, no `$` in a literal).
fn placeholders(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_follow_the_dialect() {
        let sql = "SELECT a FROM t WHERE b = $1 AND c = $12";
        assert_eq!(
            placeholders(DbBackend::Sqlite, sql),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12"
        );
        assert_eq!(placeholders(DbBackend::Postgres, sql), sql);
    }
}
