/**
 * User agents of the mail-security services and link expanders that fetch every link of a message
 * before (or instead of) a person: their clicks are counted as `scanner`. Matched case-blind as
 * substrings. Sources: the vendors' names as they appear in their scanners' User-Agent headers, as
 * collected by open-source mail and analytics tools' scanner lists (Microsoft Defender for Office
 * 365 Safe Links and its URL detonation, Proofpoint URL Defense, Mimecast URL Protect, Barracuda
 * Sentinel / Link Protection, Cisco IronPort, Forcepoint, Symantec/Broadcom, Sophos, Trend Micro,
 * FireEye, Fortinet FortiMail, Check Point, Zscaler) and the chat apps' link previewers. Many
 * scanners present an ordinary browser's agent: for those, the burst rule (scanner-bursts.ts) applies.
 */
const SCANNER_AGENT_PARTS = [
  // Microsoft Defender for Office 365 (Safe Links, URL detonation) and Outlook's link previews.
  'safelinks',
  'microsoft-urlanalyzer',
  'microsoft office',
  'ms-office',
  'bingpreview',
  // Proofpoint URL Defense.
  'proofpoint',
  // Mimecast URL Protect.
  'mimecast',
  // Barracuda Sentinel / Link Protection.
  'barracuda',
  // Other secure email gateways.
  'ironport',
  'forcepoint',
  'symantec',
  'sophos',
  'trend micro',
  'trendmicro',
  'fireeye',
  'fortimail',
  'fortiguard',
  'checkpoint',
  'zscaler',
  // Link previewers in chat apps, where a link from the email was pasted.
  'slackbot',
  'teamsbot',
  'skypeuripreview',
  'whatsapp',
  'facebookexternalhit',
  'linkedinbot',
  'twitterbot',
  'telegrambot',
  'discordbot',
  // Programs rather than browsers.
  'headlesschrome',
  'python-requests',
  'python-urllib',
  'go-http-client',
  'curl/',
  'wget/',
  'libwww-perl',
  'java/',
  'okhttp',
  'apache-httpclient',
  // Generic self-descriptions.
  'bot',
  'crawler',
  'spider',
  'scanner',
  'preview',
] as const;

/** A request without a user agent, or with one of a known scanner or program. */
export function isScannerAgent(userAgent: string | undefined): boolean {
  const agent = (userAgent ?? '').trim().toLowerCase();
  return agent === '' || SCANNER_AGENT_PARTS.some((part) => agent.includes(part));
}
