// Knex migration: the users and their sessions.
exports.up = (knex) => knex.schema.createTable('users', (t) => {
  t.string('id').primary();
  t.string('email').notNullable().unique();
  t.string('password_hash').notNullable();
});
exports.down = (knex) => knex.schema.dropTable('users');
