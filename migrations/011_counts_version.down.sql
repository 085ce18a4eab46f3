DROP TRIGGER community_targets_counts_insert ON community_targets;
DROP TRIGGER community_targets_counts_delete ON community_targets;
DROP TRIGGER community_targets_counts_update ON community_targets;
DROP FUNCTION counts_changed();
DROP TABLE counts_version;
