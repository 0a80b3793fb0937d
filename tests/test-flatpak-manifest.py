#!/usr/bin/env python3
# test-flatpak-manifest.py — the Flatpak manifest builds what meson needs, runs courriel, and asks for no more than it must
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   test-flatpak-manifest.py SOURCE_ROOT BUILD_ROOT
#
# The GNOME runtime cannot be downloaded on the machines the tests run on, so flatpak-builder is
# not run: this checks what can go wrong without it.
import json
import os
import re
import sys
import unittest

APP_ID = 'io.github.courriel.Courriel'

# What org.gnome.Platform//45 and later ship of what meson.build asks for (pkg-config names).
# The GNOME runtime has shipped WebKitGTK's 6.0 API and libsoup 3 since GNOME 44/45; SQLite,
# libsecret, GLib, GTK 4 and libadwaita are in every GNOME runtime since 42. enchant-2 too
# (gnome-build-meta's sdk/enchant-2.bst, with hunspell: WebKitGTK's spell checking depends on it);
# its hunspell dictionaries come with the runtime's Locale extension, one per installed language.
RUNTIME_LIBRARIES = {
    'glib-2.0', 'gio-2.0', 'gio-unix-2.0', 'sqlite3', 'libsecret-1', 'libsoup-3.0', 'gtk4', 'libadwaita-1',
    'webkitgtk-6.0', 'enchant-2',
}
OLDEST_RUNTIME = 45

# The runtime lacks these: the manifest builds each in a module of this name.
MODULES = {
    'gmime-3.0': 'gmime',
    'libgsasl': 'libgsasl',
}

# Each permission, and why it is needed. Anything else fails the test: add it here with its reason.
#  network:       IMAP, POP3, SMTP, autoconfiguration;
#  ipc:           X11's shared memory, for the X11 fallback;
#  wayland:       the window;  fallback-x11: the window where there is no Wayland;
#  dri:           WebKitGTK renders messages with the GPU.
# Not needed: the keyring (libsecret uses the Secret portal inside a sandbox), notifications
# (GApplication uses the Notification portal), files (GTK's file chooser goes through the
# FileChooser portal, links through OpenURI).
PERMISSIONS = {'--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri'}
FORBIDDEN = re.compile(r'^--(filesystem=(home|host|host-os|host-etc|~|/)|socket=(session-bus|system-bus|x11)'
                       r'|talk-name=org\.freedesktop\.secrets|device=all)')

source_root = build_root = ''


class FlatpakManifest(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(source_root, 'flatpak', APP_ID + '.json'), encoding='utf-8') as f:
            self.manifest = json.load(f)
        self.modules = {module['name']: module for module in self.manifest['modules']}

    def test_application(self):
        self.assertEqual(self.manifest.get('id', self.manifest.get('app-id')), APP_ID)
        self.assertEqual(self.manifest['runtime'], 'org.gnome.Platform')
        self.assertEqual(self.manifest['sdk'], 'org.gnome.Sdk')
        self.assertGreaterEqual(int(self.manifest['runtime-version']), OLDEST_RUNTIME)
        # The command is the binary meson installs.
        with open(os.path.join(build_root, 'meson-info', 'intro-installed.json'), encoding='utf-8') as f:
            installed = json.load(f).values()
        self.assertTrue(any(path.endswith('/bin/' + self.manifest['command']) for path in installed))

    def test_every_library(self):
        with open(os.path.join(source_root, 'meson.build'), encoding='utf-8') as f:
            wanted = set(re.findall(r"\bdependency\(\s*'([^']+)'", f.read()))
        self.assertIn('gtk4', wanted)  # the pattern still finds the dependencies
        for library in sorted(wanted):
            with self.subTest(library=library):
                if library in RUNTIME_LIBRARIES:
                    continue
                self.assertIn(library, MODULES, f'{library} is neither in the GNOME runtime nor built by a module')
                self.assertIn(MODULES[library], self.modules)

    def test_modules(self):
        modules = self.manifest['modules']
        # Courriel last, from this source tree, after everything it links to.
        courriel = modules[-1]
        self.assertEqual(courriel['name'], 'courriel')
        self.assertEqual(courriel['buildsystem'], 'meson')
        self.assertEqual(courriel['sources'], [{'type': 'dir', 'path': '..'}])
        for module in modules[:-1]:
            with self.subTest(module=module['name']):
                self.assertIn(module['name'], MODULES.values(), 'a module nothing in meson.build needs')
                for source in module['sources']:
                    if source['type'] == 'git':
                        self.assertTrue(source['url'].startswith('https://'))
                        self.assertIn('tag', source, 'a git source must name a release tag')
                    else:
                        self.assertEqual(source['type'], 'archive')
                        self.assertTrue(source['url'].startswith('https://'))
                        self.assertRegex(source.get('sha256', ''), '^[0-9a-f]{64}$')

    def test_permissions(self):
        permissions = self.manifest['finish-args']
        for permission in permissions:
            self.assertNotRegex(permission, FORBIDDEN)
        self.assertEqual(len(permissions), len(set(permissions)))
        self.assertEqual(set(permissions), PERMISSIONS)


if __name__ == '__main__':
    source_root, build_root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
