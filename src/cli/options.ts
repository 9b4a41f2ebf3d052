/** The options every command takes, given before the command's name (`bulletin --root DIR check`). */
export interface GlobalOptions {
  root: string;
}
