-- Accounts and their audit log: what the authentication core stands on.
CREATE TABLE users (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username                 text NOT NULL CHECK (username ~ '^[a-z0-9_.-]{3,32}$'),
    email                    text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash            text NOT NULL,
    first_name               text NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
    last_name                text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    bio                      text NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
    website                  text NOT NULL DEFAULT '' CHECK (length(website) <= 500),
    role                     text NOT NULL DEFAULT 'guest'
                             CHECK (role IN ('guest', 'user', 'moderator', 'admin')),
    email_verified_at        timestamptz,
    failed_logins            integer NOT NULL DEFAULT 0,
    locked_until             timestamptz,
    password_change_required boolean NOT NULL DEFAULT false,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    last_login_at            timestamptz
);

-- Usernames and emails are unique ignoring case (the application also
-- normalises them before storing).
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_idx ON users (role);

CREATE TABLE account_logs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    event       text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    ip          text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX account_logs_user_idx ON account_logs (user_id, created_at DESC);
CREATE INDEX account_logs_event_idx ON account_logs (event, created_at DESC);
CREATE INDEX account_logs_created_idx ON account_logs (created_at DESC);
