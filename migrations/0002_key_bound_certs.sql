-- What a certificate's subject CN is, so that a key rotation revokes exactly the certificates
-- bound to the key being given up: certificates recorded before this column count as key-bound
-- (MF_CERTS_CN=thing_key is the default), and bootstrap certificates stored before it are read
-- (and their CN recorded) on the thing's next key rotation.
ALTER TABLE `bootstrap_configs` ADD `client_cert_cn` text;--> statement-breakpoint
ALTER TABLE `certs` ADD `cn_source` text DEFAULT 'thing_key' NOT NULL;
