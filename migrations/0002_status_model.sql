-- Services and groups, their status history, incidents with their timeline, incident templates,
-- scheduled maintenance with its timeline.

CREATE TABLE service_groups (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    collapsed BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX service_groups_org ON service_groups (org_id, position);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
    group_id TEXT REFERENCES service_groups (id) ON DELETE SET NULL,
    team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
    position BIGINT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    showcase BIGINT NOT NULL,
    only_show_if_degraded BIGINT NOT NULL,
    start_date TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX services_org ON services (org_id, deleted_at, position);

CREATE TABLE status_history (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    old_status TEXT,
    new_status TEXT NOT NULL,
    at BIGINT NOT NULL,
    cause TEXT NOT NULL CHECK (cause IN ('created', 'manual', 'incident', 'maintenance', 'monitor')),
    cause_id TEXT,
    actor TEXT NOT NULL
);
CREATE INDEX status_history_service_at ON status_history (org_id, service_id, at);
CREATE INDEX status_history_org_at ON status_history (org_id, at, id);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem')),
    impact TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    impact_override TEXT CHECK (impact_override IN ('none', 'minor', 'major', 'critical')),
    backfilled BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    monitoring_at BIGINT,
    resolved_at BIGINT,
    postmortem_body TEXT,
    postmortem_published_at BIGINT
);
CREATE INDEX incidents_org ON incidents (org_id, status, started_at);

CREATE TABLE incident_services (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
    position BIGINT NOT NULL,
    PRIMARY KEY (incident_id, service_id)
);

CREATE TABLE incident_updates (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem')),
    message TEXT NOT NULL,
    notify BIGINT NOT NULL,
    display_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    actor TEXT NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates (incident_id, display_at);

CREATE TABLE incident_update_services (
    update_id TEXT NOT NULL REFERENCES incident_updates (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    PRIMARY KEY (update_id, service_id)
);

CREATE TABLE incident_templates (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    services TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE maintenances (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'verifying', 'completed', 'cancelled')),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    auto_start BIGINT NOT NULL,
    auto_complete BIGINT NOT NULL,
    started_at BIGINT,
    completed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX maintenances_due ON maintenances (status, starts_at, ends_at);
CREATE INDEX maintenances_org ON maintenances (org_id, starts_at);

CREATE TABLE maintenance_services (
    maintenance_id TEXT NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    prior_status TEXT,
    PRIMARY KEY (maintenance_id, service_id)
);

CREATE TABLE maintenance_updates (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    maintenance_id TEXT NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'verifying', 'completed', 'cancelled')),
    message TEXT NOT NULL,
    notify BIGINT NOT NULL,
    display_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    actor TEXT NOT NULL
);
CREATE INDEX maintenance_updates_maintenance ON maintenance_updates (maintenance_id, display_at);
