#!/usr/bin/env python3
# test-icon-names.py — every icon the interface names exists, so no "broken image" square is ever shown
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   test-icon-names.py SOURCE_ROOT
#
# GTK draws a missing icon as a broken-image placeholder without any warning, so a typo or an icon that
# the Adwaita theme does not ship goes unnoticed until someone looks at the screen. The names are read
# from the C sources (string literals ending in -symbolic) and the templates (icon-name properties).
import os
import re
import sys
import unittest

SOURCE_ROOT = sys.argv[1] if len(sys.argv) > 1 else '.'
THEME_DIRS = ['/usr/share/icons/Adwaita', '/usr/share/icons/hicolor',
              os.path.join(SOURCE_ROOT, 'data', 'icons', 'hicolor')]

C_ICON = re.compile(r'"([a-z][a-z0-9-]*-symbolic)"')
UI_ICON = re.compile(r'<property name="icon[-_]name">([^<]+)</property>')


def used_icon_names():
    names = {}
    for top in ('src', 'ui'):
        for root, _, files in os.walk(os.path.join(SOURCE_ROOT, top)):
            for name in files:
                path = os.path.join(root, name)
                if name.endswith('.c'):
                    pattern = C_ICON
                elif name.endswith('.ui'):
                    pattern = UI_ICON
                else:
                    continue
                with open(path, encoding='utf-8') as f:
                    for icon in pattern.findall(f.read()):
                        names.setdefault(icon.strip(), os.path.relpath(path, SOURCE_ROOT))
    return names


def theme_icon_names():
    found = set()
    for top in THEME_DIRS:
        for _, _, files in os.walk(top):
            for name in files:
                for ext in ('.symbolic.png', '.svg', '.png'):
                    if name.endswith(ext):
                        found.add(name[:-len(ext)])
                        break
    return found


class IconNames(unittest.TestCase):
    def test_every_icon_exists(self):
        if not os.path.isdir('/usr/share/icons/Adwaita'):
            self.skipTest('the Adwaita icon theme is not installed')
        used = used_icon_names()
        self.assertGreater(len(used), 20, 'the scan found too few icon names: is the pattern still right?')
        theme = theme_icon_names()
        missing = sorted(f'{icon} (in {path})' for icon, path in used.items() if icon not in theme)
        self.assertEqual(missing, [], 'icons that the theme does not have; GTK would draw a broken image')


if __name__ == '__main__':
    unittest.main(argv=sys.argv[:1])
