"""Local stand-ins for outside systems (a WMS/3PL and an ERP), with fault injection, for tests and the demo.

::

    from overture.simulators import SimulatorServer, create_erp_app, create_wms_app

    with SimulatorServer(create_wms_app(overture_url=hub_url)) as wms:
        connector = WmsConnector(ConnectorConfig("wms", wms.url))
"""

from overture.simulators.erp import create_erp_app
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app

__all__ = ["SimulatorServer", "create_erp_app", "create_wms_app"]
