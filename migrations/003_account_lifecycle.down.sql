DROP INDEX users_created_idx;
DROP INDEX users_locked_idx;
DROP INDEX users_email_trgm_idx;
DROP INDEX users_username_trgm_idx;
DROP TABLE email_tokens;
