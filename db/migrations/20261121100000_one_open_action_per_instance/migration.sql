-- At most one queued or running action per VPS, guaranteed by the database
-- (two taps on "Reboot" from two devices cannot both be accepted).
CREATE UNIQUE INDEX "instance_actions_one_open_per_instance"
    ON "instance_actions" ("instance_id")
    WHERE "status" IN ('QUEUED', 'RUNNING');
