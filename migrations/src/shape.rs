//! The shapes every table of this schema shares; migrations build on them.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `name` with a 64-bit auto-increment `id`.
pub fn table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(big_pk_auto("id"))
        .to_owned()
}

/// `from_table.from_col` references `to_table.id`.
pub fn foreign_key(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, "id")
        .to_owned()
}

/// An index on `cols` of `table`.
pub fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}
