-- Public page settings, one row per organization (absent: defaults).

CREATE TABLE pages (
    org_id TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    title TEXT,
    custom_domain TEXT UNIQUE,
    private BIGINT NOT NULL,
    accent_color TEXT,
    time_zone TEXT,
    support_url TEXT,
    logo_type TEXT,
    logo_base64 TEXT,
    updated_at BIGINT NOT NULL
);
