/**
 * The names a site's config may have, in the order they are looked for. Apart, so the CLI finds a site
 * without loading the config's parser.
 */
export const CONFIG_NAMES = ['bulletin.config.yaml', 'bulletin.config.yml', 'bulletin.config.json'];
