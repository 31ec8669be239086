"""PostgreSQL: a batch of events and their log leaves appended by one server-side call.

``minhbach_append`` (PL/pgSQL, created with the tables) does in one statement, so in one
transaction and one round trip, what the SQLite recorder does in several
(``api.store.logtree``):

1. takes the events table's EXCLUSIVE lock (the library's: commit order = log order);
2. checks that every chain the batch was judged against still has the version it was
   judged at (optimistic concurrency, ADR 0005), else raises SQLSTATE ``MB409``;
3. inserts the stored events (their notification ids come back) and notifies listeners;
4. appends the leaves after the stored head, computes the new complete-subtree hashes
   with ``sha256()`` from the stored right edge (RFC 6962 §2.1, the algorithm of
   ``verify.merkle.TreeBuilder``), inserts leaves and nodes and moves the head. The right
   edge read is checked whole by counting its nodes against ``bit_count`` of the size
   (PostgreSQL 14 or later; the deployment runs 15).

The log tables are named as everywhere else (unqualified, through the search path, as
they were created); the events table as the library names it. The lock is held only
while the server runs these statements: no client round trip and
no Python work sits inside the critical section, so concurrent writer processes queue on
it for less time. The leaf hashes are computed by the caller (``verify.merkle.leaf_hash``)
and the function recomputes nothing it is given, but every node and root it writes is
checked in ``tests/integration/test_pg_append.py`` against an independent RFC 6962
reference, and by ``minhbach log audit``.
"""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier

STALE_READ = "MB409"  # SQLSTATE raised when a chain changed behind the writer

_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.minhbach_append(
    ev_ids {id_type}[], ev_versions bigint[], ev_topics text[], ev_states bytea[],
    envelopes bytea[], leaf_hashes bytea[], envelope_hashes text[],
    read_ids {id_type}[], read_versions bigint[], lock_wait text)
RETURNS TABLE (first_index bigint, notification_ids bigint[])
LANGUAGE plpgsql AS $minhbach$
DECLARE
    n bigint;
    start_size bigint;
    frontier bytea[] := array_fill(NULL::bytea, ARRAY[64]);
    levels smallint[] := '{{}}';
    idxs bigint[] := '{{}}';
    hashes bytea[] := '{{}}';
    cur bytea;
    i bigint;
    lvl int;
    root bytea;
    ids bigint[];
    got bigint;
BEGIN
    PERFORM set_config('lock_timeout', lock_wait, true);
    LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE;
    IF EXISTS (
        SELECT 1 FROM unnest(read_ids, read_versions) AS r(id, v)
        WHERE coalesce((SELECT max(e.originator_version) FROM {schema}.{events} e
                        WHERE e.originator_id = r.id), 0) <> r.v
    ) THEN
        RAISE EXCEPTION 'a chain changed behind this writer' USING ERRCODE = '{stale}';
    END IF;
    WITH ins AS (
        INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ev_ids, ev_versions, ev_topics, ev_states)
        RETURNING notification_id
    ) SELECT array_agg(notification_id ORDER BY notification_id) INTO ids FROM ins;
    PERFORM pg_notify({channel}, '');

    SELECT h.size INTO n FROM log_head h WHERE h.id = 1;
    n := coalesce(n, 0);
    start_size := n;
    got := 0;
    FOR lvl, cur IN
        SELECT ln.level, ln.hash FROM log_nodes ln
        JOIN generate_series(0, 62) AS k ON ln.level = k AND ln.idx = (n >> k) - 1
        WHERE (n >> k) & 1 = 1
    LOOP
        frontier[lvl + 1] := cur;
        got := got + 1;
    END LOOP;
    IF got <> bit_count(n::bit(64)) THEN  -- one stored node per bit of the size
        FOR lvl IN 0..62 LOOP
            IF (n >> lvl) & 1 = 1 AND frontier[lvl + 1] IS NULL THEN
                RAISE EXCEPTION 'log node (%, %) is missing', lvl, (n >> lvl) - 1;
            END IF;
        END LOOP;
    END IF;

    INSERT INTO log_leaves
        SELECT start_size + t.o - 1, t.lh, t.eh, t.e
        FROM unnest(leaf_hashes, envelope_hashes, envelopes) WITH ORDINALITY AS t(lh, eh, e, o);
    FOR j IN 1 .. coalesce(array_length(leaf_hashes, 1), 0) LOOP
        i := n;
        cur := leaf_hashes[j];
        lvl := 0;
        levels := array_append(levels, 0::smallint);
        idxs := array_append(idxs, i);
        hashes := array_append(hashes, cur);
        WHILE (i >> lvl) & 1 = 1 LOOP  -- a right child completes its parent
            cur := sha256('\\x01'::bytea || frontier[lvl + 1] || cur);
            lvl := lvl + 1;
            levels := array_append(levels, lvl::smallint);
            idxs := array_append(idxs, i >> lvl);
            hashes := array_append(hashes, cur);
        END LOOP;
        frontier[lvl + 1] := cur;
        n := n + 1;
    END LOOP;
    INSERT INTO log_nodes SELECT * FROM unnest(levels, idxs, hashes);

    lvl := 0;
    WHILE (n >> lvl) > 0 LOOP  -- the root: the right edge folded from its smallest subtree
        IF (n >> lvl) & 1 = 1 THEN
            root := CASE WHEN root IS NULL THEN frontier[lvl + 1]
                         ELSE sha256('\\x01'::bytea || frontier[lvl + 1] || root) END;
        END IF;
        lvl := lvl + 1;
    END LOOP;
    INSERT INTO log_head VALUES (1, n, root)
        ON CONFLICT (id) DO UPDATE SET size = EXCLUDED.size, root = EXCLUDED.root;
    RETURN QUERY SELECT start_size, ids;
END
$minhbach$
"""


def create_function(schema: str, events_table: str, id_type: str, channel: str) -> Composed:
    """The ``CREATE OR REPLACE FUNCTION`` statement for this recorder's tables."""
    text = _FUNCTION.replace("{stale}", STALE_READ)
    return SQL(text).format(  # type: ignore[arg-type]
        schema=Identifier(schema),
        events=Identifier(events_table),
        id_type=Identifier(id_type),
        channel=channel,
    )


def call(schema: str) -> Composed:
    """The call, every array bound in binary (psycopg dumps no bytes as text)."""
    return SQL(
        "SELECT first_index, notification_ids FROM {}.minhbach_append("
        "%b, %b, %b, %b, %b, %b, %b, %b, %b, %s)"
    ).format(Identifier(schema))
