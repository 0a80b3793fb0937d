#!/usr/bin/env python3
# test-desktop-data.py — what a desktop needs to find, start and show Courriel is there and installed where it looks
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   test-desktop-data.py SOURCE_ROOT BUILD_ROOT
#
# The desktop file is DBusActivatable, so its name, the D-Bus service's Name and the application
# id must agree and the service must run the installed binary as a GApplication service; the icons
# must be SVG documents of the sizes GNOME asks for; and meson must install each file into the
# folder the desktop reads it from.
import configparser
import json
import os
import sys
import unittest
import xml.etree.ElementTree as ElementTree

APP_ID = 'io.github.courriel.Courriel'
SVG = '{http://www.w3.org/2000/svg}'
source_root = build_root = ''


class DesktopData(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(build_root, 'meson-info', 'intro-installed.json'), encoding='utf-8') as f:
            self.installed = json.load(f)

    def installed_path(self, built):
        self.assertIn(built, self.installed, f'{built} is not installed')
        return self.installed[built]

    def read_ini(self, path):
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str
        with open(path, encoding='utf-8') as f:
            parser.read_file(f)
        return parser

    def test_dbus_activation(self):
        desktop_built = os.path.join(build_root, 'data', APP_ID + '.desktop')
        service_built = os.path.join(build_root, 'data', APP_ID + '.service')
        binary = os.path.join(build_root, 'src', 'app', 'courriel')

        desktop = self.read_ini(desktop_built)['Desktop Entry']
        self.assertEqual(desktop['DBusActivatable'], 'true')
        self.assertEqual(desktop['Icon'], APP_ID)
        service = self.read_ini(service_built)['D-BUS Service']
        self.assertEqual(service['Name'], APP_ID)
        self.assertEqual(service['Exec'], self.installed_path(binary) + ' --gapplication-service')

        # The desktop and the bus find them by these exact file names.
        self.assertTrue(self.installed_path(desktop_built).endswith('/share/applications/' + APP_ID + '.desktop'))
        self.assertTrue(self.installed_path(service_built).endswith('/share/dbus-1/services/' + APP_ID + '.service'))
        metainfo_built = os.path.join(build_root, 'data', APP_ID + '.metainfo.xml')
        self.assertTrue(self.installed_path(metainfo_built).endswith('/share/metainfo/' + APP_ID + '.metainfo.xml'))

    def check_svg(self, relative, size):
        path = os.path.join(source_root, 'data', 'icons', 'hicolor', relative)
        root = ElementTree.parse(path).getroot()
        self.assertEqual(root.tag, SVG + 'svg', f'{relative} is not an SVG document')
        self.assertEqual(root.get('viewBox'), f'0 0 {size} {size}', relative)
        self.assertEqual(root.get('width'), str(size), relative)
        self.assertEqual(root.get('height'), str(size), relative)
        self.assertTrue(any(child.tag.startswith(SVG) for child in root.iter() if child is not root),
                        f'{relative} draws nothing')
        # No bitmap or external file: the icon must draw itself at every size.
        for element in root.iter(SVG + 'image'):
            self.fail(f'{relative} embeds an image')

    def test_icons(self):
        self.check_svg(f'scalable/apps/{APP_ID}.svg', 128)
        self.check_svg(f'symbolic/apps/{APP_ID}-symbolic.svg', 16)
        icons = self.installed_path(os.path.join(source_root, 'data', 'icons', 'hicolor'))
        self.assertTrue(icons.endswith('/share/icons/hicolor'))

    def test_metainfo(self):
        path = os.path.join(build_root, 'data', APP_ID + '.metainfo.xml')
        root = ElementTree.parse(path).getroot()
        self.assertEqual(root.findtext('id'), APP_ID)
        self.assertEqual(root.find('launchable').text, APP_ID + '.desktop')
        self.assertEqual(root.find('content_rating').get('type'), 'oars-1.1')
        self.assertTrue(root.findtext('developer_name'))
        self.assertTrue({'homepage', 'bugtracker'} <= {url.get('type') for url in root.findall('url')})
        self.assertGreaterEqual(len(root.findall('description/p')), 1)
        screenshots = root.findall('screenshots/screenshot')
        self.assertGreaterEqual(len(screenshots), 1)
        self.assertEqual(len([s for s in screenshots if s.get('type') == 'default']), 1)
        published = 'https://raw.githubusercontent.com/courriel/courriel/main/'
        for screenshot in screenshots:
            image = screenshot.find('image')
            self.assertTrue(image.text.startswith(published), image.text)
            self.assertTrue(screenshot.findtext('caption'))
            # The picture is in the repository, at the size the metainfo announces.
            with open(os.path.join(source_root, image.text[len(published):]), 'rb') as f:
                header = f.read(24)
            self.assertEqual(header[:8], b'\x89PNG\r\n\x1a\n')
            width, height = int.from_bytes(header[16:20], 'big'), int.from_bytes(header[20:24], 'big')
            self.assertEqual((width, height), (int(image.get('width')), int(image.get('height'))), image.text)
        releases = root.findall('releases/release')
        self.assertGreaterEqual(len(releases), 1)
        with open(os.path.join(build_root, 'meson-info', 'intro-projectinfo.json'), encoding='utf-8') as f:
            version = json.load(f)['version']
        self.assertIn(version, [r.get('version') for r in releases], 'the project version has no release entry')
        self.assertIn('courriel', [b.text for b in root.findall('provides/binary')])
        self.assertIn(APP_ID, [d.text for d in root.findall('provides/dbus')])


if __name__ == '__main__':
    source_root, build_root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
