"""The exchange's writers, one module per topic: data sets and inbound deliveries
(deliveries), outbound files (deliveries_out), late and missing files (deliveries_due),
one pass over every data set (deliveries_run), the drop folders (folders) and SFTP
(sftp)."""

from carehub.exchange.services.deliveries import process, receive, save_data_set
from carehub.exchange.services.deliveries_due import check_due
from carehub.exchange.services.deliveries_out import send
from carehub.exchange.services.deliveries_run import run_exchange

__all__ = ["check_due", "process", "receive", "run_exchange", "save_data_set", "send"]
