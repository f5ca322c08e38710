INSERT OR REPLACE INTO marts.theme_builds SELECT week, fingerprint, now() FROM theme_builds
