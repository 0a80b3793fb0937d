/* courriel-discovery-environment.h — a discovery pointed at local servers by COURRIEL_AUTOCONFIG_* variables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-discovery.h"

G_BEGIN_DECLS

CourrielDiscovery *courriel_discovery_new_from_environment (GTlsDatabase **database,
                                                            GError       **error);

G_END_DECLS
