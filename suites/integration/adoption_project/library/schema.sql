-- The library on MySQL. Binary collation: emails are compared exactly (in lower case,
-- which the code applies), as DynamoDB compares its keys.
CREATE TABLE members (
    id VARCHAR(64) NOT NULL,
    email VARCHAR(320) NOT NULL,
    name VARCHAR(200) NOT NULL,
    joined_at DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY members_email (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE books (
    id VARCHAR(64) NOT NULL,
    title VARCHAR(200) NOT NULL,
    copies INT NOT NULL,
    on_loan INT NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
