// Knex migration: the plans sold and the subscriptions the webhooks record.
exports.up = (knex) => knex.schema
  .createTable('plans', (t) => {
    t.string('tier').primary();
    t.boolean('is_active').notNullable().defaultTo(true);
  })
  .createTable('subscriptions', (t) => {
    t.increments('id');
    t.string('user_id').notNullable();
    t.string('stripe_customer_id');
    t.string('stripe_subscription_id');
    t.string('status');
    t.boolean('is_active').notNullable().defaultTo(false);
  });
exports.down = (knex) => knex.schema.dropTable('subscriptions').dropTable('plans');
