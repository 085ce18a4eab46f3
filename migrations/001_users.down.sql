DROP TABLE account_logs;
DROP TABLE users;
