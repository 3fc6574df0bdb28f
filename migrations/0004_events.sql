-- Live updates: every org's change events, numbered 1, 2, 3… per org in commit order.
-- An event row is written in the transaction of the change it describes.

CREATE TABLE event_counters (
    org_id TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    last_id BIGINT NOT NULL
);

CREATE TABLE events (
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    type TEXT NOT NULL,
    at BIGINT NOT NULL,
    public BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);
