-- smtpscope schema version 6: idempotent, resumable imports (README "Imports").
--
-- A file (or standard input) is identified by an XXH3-128 hash of its whole
-- content, computed while it is read.  content_hash now holds that hash of
-- the first hashed_bytes bytes read: the whole input for a finished import,
-- the part read so far for one that stopped (updated at every commit, so a
-- capture killed with -9 still says how far it got).  sample_hash is the
-- sampled fingerprint (first and last MiB and 64 slices) used only as a
-- pre-check: a file is skipped only when its full hash confirms it.
-- owner names the process writing a running capture ("host pid start"), so
-- that a row whose process is gone is marked at the next open.
ALTER TABLE captures ADD COLUMN sample_hash TEXT;
ALTER TABLE captures ADD COLUMN hashed_bytes INTEGER;
ALTER TABLE captures ADD COLUMN owner TEXT;

-- Before version 6, content_hash was the sampled FNV-1a 64 fingerprint (16
-- hex digits): it moves to sample_hash (such rows have no full hash).
UPDATE captures SET sample_hash = content_hash, content_hash = NULL
 WHERE content_hash IS NOT NULL AND length(content_hash) = 16;

CREATE INDEX IF NOT EXISTS captures_content ON captures(content_hash, hashed_bytes);
CREATE INDEX IF NOT EXISTS captures_sample ON captures(sample_hash, file_size);

PRAGMA user_version = 6;
