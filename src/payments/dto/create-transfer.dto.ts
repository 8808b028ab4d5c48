import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IntegerFromString, IsCurrencyCode, IsMetadata, IsMinorUnits, MetadataFromRequest } from '../../common/validation';

export class CreateTransferDto {
  @ApiProperty({ example: 'acct_3kT9…' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from_account: string;

  @ApiProperty({ example: 'acct_9QbX…' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  to_account: string;

  @ApiProperty({ type: 'integer', example: 2500, minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units (cents).' })
  @IntegerFromString()
  @IsMinorUnits()
  amount: number;

  @ApiProperty({ example: 'usd' })
  @IsCurrencyCode()
  currency: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @MetadataFromRequest()
  @IsMetadata()
  metadata?: Record<string, string>;
}
