/**
 * Tests reach 127.0.0.1 only. Every command that would check links over the network (`check`,
 * `send`, `schedule`, `preview`) is offline unless a test turns it on against its own local server.
 */
process.env.BULLETIN_OFFLINE = '1';
// Nor a real mail server, whatever the shell that started the tests has set.
delete process.env.SMTP_URL;
