// TinyLedger's settings that are not secrets. The acceptance test plants the defect
// "debug switched on in code" by rewriting `debug` below to `debug: true`.
'use strict';

module.exports = {
  debug: process.env.TINYLEDGER_DEBUG === 'true',
  checkoutCurrency: 'usd',
};
