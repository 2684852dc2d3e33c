// TinyLedger's settings that are not secrets. The acceptance test plants the defect
// "debug switched on in code" by making `debug` below the literal true.
'use strict';

module.exports = {
  debug: process.env.TINYLEDGER_DEBUG === 'true',
  checkoutCurrency: 'usd',
};
