-- 003_letters: open letters (一封公开信), one code per printed poster, and
-- the scans of those codes. No raw IP address is stored: ip_hash is an
-- HMAC under a salt that changes every day, for deduplication only.

CREATE TABLE letters (
	id		INTEGER PRIMARY KEY,
	title		TEXT NOT NULL,
	body		TEXT NOT NULL,
	issuer		TEXT NOT NULL,
	issued_on	TEXT NOT NULL,
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	created_at	INTEGER NOT NULL
);

CREATE TABLE letter_codes (
	id		INTEGER PRIMARY KEY,
	letter_id	INTEGER NOT NULL REFERENCES letters(id),
	code		TEXT NOT NULL UNIQUE,
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	label		TEXT NOT NULL,
	created_at	INTEGER NOT NULL
);
CREATE INDEX letter_codes_letter ON letter_codes(letter_id, area_id);

CREATE TABLE scans (
	id		INTEGER PRIMARY KEY,
	code_id		INTEGER NOT NULL REFERENCES letter_codes(id),
	at		INTEGER NOT NULL,
	client		TEXT NOT NULL
			CHECK (client IN ('wechat', 'alipay', 'browser', 'bot')),
	device		TEXT NOT NULL,
	repeat		INTEGER NOT NULL,
	forwarded	INTEGER NOT NULL DEFAULT 0,
	ip_hash		BLOB
);
CREATE INDEX scans_code ON scans(code_id, device);
