DROP TABLE rate_limits;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
