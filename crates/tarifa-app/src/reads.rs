//! The API's most frequent reads (a customer; a bill with what is left to
//! pay of it): on a SQLite file through the lean path's point reads
//! (`tarifa_store::LeanReads`, on the request's thread, in one snapshot),
//! otherwise through a read transaction of the driver. Both read the same
//! rows with the same statements and settle the bills the same way.

use tarifa_core::money::Money;
use tarifa_store::{BillRow, CustomerRow};

use crate::billing::open_amounts;
use crate::{App, Ctx, Result};

/// A bill and the open amounts of its customer's bills (bill number, open),
/// oldest first.
pub type BillWithOpen = (BillRow, Vec<(String, Money)>);

impl App {
    /// A customer's row, if `sees` lets the caller see it.
    pub async fn read_customer(
        &self,
        ctx: &Ctx,
        id: i64,
        sees: impl Fn(i64) -> bool,
    ) -> Result<Option<CustomerRow>> {
        let row = match self.store().lean_reads() {
            Some(reads) => reads.read(|r| r.customer(id))?,
            None => {
                let mut tx = self.begin_read(ctx).await?;
                let row = tx.customer(id).await?;
                tx.rollback().await?;
                row
            }
        };
        Ok(row.filter(|row| sees(row.id)))
    }

    /// A bill, if `sees` lets the caller see its customer's bills, with how
    /// its customer's payments settle them (`App::open_bills`), read in
    /// one snapshot.
    pub async fn read_bill(
        &self,
        ctx: &Ctx,
        id: i64,
        sees: impl Fn(i64) -> bool,
    ) -> Result<Option<BillWithOpen>> {
        let read = match self.store().lean_reads() {
            Some(reads) => reads.read(|r| {
                let Some(bill) = r.bill(id)?.filter(|b| sees(b.customer_id)) else {
                    return Ok(None);
                };
                let amounts = r.bill_amounts_of_customer(bill.customer_id)?;
                let paid = r.paid_by_customer(bill.customer_id)?;
                Ok(Some((bill, amounts, paid)))
            })?,
            None => {
                let mut tx = self.begin_read(ctx).await?;
                let read = match tx.bill(id).await?.filter(|b| sees(b.customer_id)) {
                    Some(bill) => {
                        let amounts = tx.bill_amounts_of_customer(bill.customer_id).await?;
                        let paid = tx.paid_by_customer(bill.customer_id).await?;
                        Some((bill, amounts, paid))
                    }
                    None => None,
                };
                tx.rollback().await?;
                read
            }
        };
        let Some((bill, amounts, paid)) = read else {
            return Ok(None);
        };
        let market = self.market(&bill.market)?;
        let (open, _credit) = open_amounts(market, &amounts, paid);
        Ok(Some((bill, open)))
    }
}
