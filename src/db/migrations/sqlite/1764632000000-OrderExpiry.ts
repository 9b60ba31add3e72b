// From `typeorm migration:generate` (which rebuilds the table), reduced by hand to the two columns
// sqlite can add in place, plus the backfill: an order with an expiry gets its first check at that
// expiry (one already past is checked at once). A second generate reports no difference.
import { MigrationInterface, QueryRunner } from "typeorm";

export class OrderExpiry1764632000000 implements MigrationInterface {
    name = 'OrderExpiry1764632000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "orders" ADD COLUMN "expired" boolean NOT NULL DEFAULT (0)`);
        await queryRunner.query(`ALTER TABLE "orders" ADD COLUMN "expiryCheckAfter" datetime`);
        await queryRunner.query(`UPDATE "orders" SET "expiryCheckAfter" = "expiresAt" WHERE "expiresAt" IS NOT NULL AND "status" <> 'CANCELED'`);
        await queryRunner.query(`CREATE INDEX "IDX_f33a6aa95a94291bc001094895" ON "orders" ("expiryCheckAfter") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_f33a6aa95a94291bc001094895"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "expiryCheckAfter"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "expired"`);
    }

}
