-- Jobs are named for what they do: `thumbnail` is now `process-image` (it makes every derivative and publishes
-- the image) and `evaluate-reports` is now `evaluate-image`. Pending outbox rows are renamed; rows already sent
-- to the old queues but not done are sent again to the new ones after OUTBOX_RESEND_AFTER_MS, like any job
-- Redis lost, so no work is dropped by the upgrade.
UPDATE outbox SET topic = 'process-image' WHERE topic = 'thumbnail';
UPDATE outbox SET topic = 'evaluate-image' WHERE topic = 'evaluate-reports';
