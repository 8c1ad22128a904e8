-- What our own virus scanner (ClamAV) said of each received message (issue 23): the
-- verdict, the engine and its definitions' version, the signature found, and the parts
-- left unscanned (`mailman.domain.scanning.ScanReport.as_json`). NULL for mail received
-- before scanning existed and for mail sent from an inbox.
ALTER TABLE messages ADD COLUMN scan jsonb;
