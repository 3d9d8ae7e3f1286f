-- The records that /db/create stores and /db/read lists, newest first.
CREATE TABLE records (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination for /db/read: newest first, id breaks ties.
CREATE INDEX records_newest_first ON records (created_at DESC, id DESC);
