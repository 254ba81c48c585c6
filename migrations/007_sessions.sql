-- Moderator sessions, kept server-side: the browser holds only an opaque random id; we keep its SHA-256, so a
-- copy of this table lets nobody sign in. Sign-out, an admin's revocation, the idle and the absolute timeouts
-- all end a session for good.
CREATE TABLE sessions (
  id_hash      text PRIMARY KEY,
  subject      text NOT NULL,
  name         text,
  role         text NOT NULL CHECK (role IN ('moderator', 'admin')),
  provider     text NOT NULL CHECK (provider IN ('oidc', 'token')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ended_at     timestamptz,
  -- sign_out, revoked (by an admin), or null while active
  end_reason   text CHECK (end_reason IN ('sign_out', 'revoked'))
);
CREATE INDEX sessions_active_idx ON sessions (created_at DESC) WHERE ended_at IS NULL;

-- What operators and admins did outside image decisions: sign-ins refused, sessions revoked, job queue changes.
-- actor_id NULL means the system.
CREATE TABLE operator_events (
  id         bigserial PRIMARY KEY,
  actor_id   text,
  action     text NOT NULL,
  target     text,
  details    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_events_created_idx ON operator_events (created_at, id);
