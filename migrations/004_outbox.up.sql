-- Mail waiting to be sent. Handlers insert a row in the same transaction as
-- the state change that causes the mail; `stoactl mail` sends it, one row per
-- transaction, so a row is marked sent only once it has left.
CREATE TABLE outbox (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient      text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    recipient_name text NOT NULL DEFAULT '',
    subject        text NOT NULL,
    body_text      text NOT NULL,
    body_html      text,
    -- Extra header fields as {"Name": "value"}, e.g. List-Unsubscribe.
    extra_headers  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(extra_headers) = 'object'),
    -- Without the angle brackets: "random@example.org".
    message_id     text NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    send_after     timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error     text,
    sent_at        timestamptz,
    -- Set when the mailer gave up for good (too many attempts, unrenderable).
    failed_at      timestamptz
);

-- What the mailer polls: only pending rows, so the index stays small.
CREATE INDEX outbox_pending_idx ON outbox (send_after) WHERE sent_at IS NULL AND failed_at IS NULL;
