//! Storage conventions: each column type round-trips through `AnyPool` on this backend.

use crate::common::TestDb;
use beacon::db::Db;
use sqlx::Row;

#[tokio::test]
async fn every_column_type_round_trips_through_the_any_driver() {
    let test_db = TestDb::new().await;
    let db = Db::connect(&beacon::config::Config::for_database(&test_db.url).database_url)
        .await
        .unwrap();
    let pool = db.pool();
    sqlx::query("CREATE TABLE roundtrip (id TEXT PRIMARY KEY, at BIGINT NOT NULL, flag BIGINT NOT NULL, n BIGINT NOT NULL, note TEXT, blob TEXT NOT NULL, maybe_at BIGINT)")
        .execute(pool)
        .await
        .unwrap();
    let id = beacon::domain::Id::new();
    let at = 1_764_654_289_123_456_i64;
    let json = r#"{"k":["v",1,true]}"#;
    sqlx::query("INSERT INTO roundtrip (id, at, flag, n, note, blob, maybe_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id.as_str())
        .bind(at)
        .bind(1_i64)
        .bind(i64::MAX)
        .bind(None::<String>)
        .bind(json)
        .bind(None::<i64>)
        .execute(pool)
        .await
        .unwrap();
    let row = sqlx::query("SELECT * FROM roundtrip WHERE id = $1")
        .bind(id.as_str())
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(row.try_get::<String, _>("id").unwrap(), id.as_str());
    assert_eq!(row.try_get::<i64, _>("at").unwrap(), at);
    assert_eq!(row.try_get::<i64, _>("flag").unwrap(), 1);
    assert_eq!(row.try_get::<i64, _>("n").unwrap(), i64::MAX);
    assert_eq!(row.try_get::<Option<String>, _>("note").unwrap(), None);
    assert_eq!(row.try_get::<String, _>("blob").unwrap(), json);
    assert_eq!(row.try_get::<Option<i64>, _>("maybe_at").unwrap(), None);
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM roundtrip")
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(count, 1);
    let sum: i64 = sqlx::query("SELECT CAST(COALESCE(SUM(flag), 0) AS BIGINT) FROM roundtrip")
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(sum, 1);
}

#[tokio::test]
async fn unique_violations_name_their_field_and_rollback_leaves_nothing() {
    let test_db = TestDb::new().await;
    let db = Db::connect(&beacon::config::Config::for_database(&test_db.url).database_url)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap(); // idempotent
    let now = beacon::domain::Timestamp::from_micros(1);
    let mut tx = db.begin().await.unwrap();
    beacon::db::orgs::insert(&mut tx, now, "acme", "Acme", "UTC")
        .await
        .unwrap();
    let err = beacon::db::orgs::insert(&mut tx, now, "acme", "Acme again", "UTC")
        .await
        .unwrap_err();
    assert!(
        matches!(err, beacon::db::Error::Conflict { field: "slug" }),
        "{err:?}"
    );
    drop(tx);
    let mut c = db.conn().await.unwrap();
    assert!(
        beacon::db::orgs::find_by_slug(&mut c, "acme")
            .await
            .unwrap()
            .is_none(),
        "rolled back"
    );
}
