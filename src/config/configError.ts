/**
 * A configuration value that cannot be used. `setting` names it the way an
 * operator wrote it (`PORT`, `FTP_URL?mode`, `servers.partner-a.pool.max`);
 * the message is one line, starts with the setting, and never quotes a
 * password or an API key.
 */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly setting: string;

  constructor(setting: string, problem: string) {
    // One line whatever the caller passed: a newline would split the exit message.
    super(`${setting}: ${problem}`.replace(/[\r\n]+/g, ' '));
    this.setting = setting;
  }
}
